{#- The shared judgement of deals and pledges: both are flows of money between two
    companies, with one set of rules (as-of, duplicates, company names, groups, FX,
    supersession). `ids` names the columns of one file:
      id, from_name, to_name, from_id, to_id, supersedes (the staging column names and the
      names the resolved columns take), and details: the file's own columns that the
      resolved rows carry on to its fact mart. -#}
{% macro resolve_flows(staging_model, ids) %}

with

staged as (
    select
        *,
        {{ as_of_date() }} as as_of_date
    from {{ ref(staging_model) }}
),

-- Rows announced after the as-of date are not part of this build at all; rows whose
-- fields or date cannot be read are rejected in every build. Among the rows in the build,
-- the first by line owns its id whatever its fate; a record that cannot be split into
-- fields has no readable id and owns none.
in_build as (
    select *
    from staged
    where unreadable_reason is not null
       or as_of_date is null
       or announced_date <= as_of_date
),

first_line_per_id as (
    select
        {{ ids.id }} as flow_id,
        min(source_line) as first_line
    from in_build
    where split_error is null
      and {{ ids.id }} is not null
    group by {{ ids.id }}
),

ids_in_file as (
    select distinct {{ ids.id }} as flow_id
    from staged
    where {{ ids.id }} is not null
),

company_names as (
    select * from {{ ref('int_company_names_indexed') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_validated') }}
    where rejection_reason is null
),

resolved as (
    select
        in_build.*,
        first_line_per_id.first_line,
        from_company.company_id as {{ ids.from_id }},
        from_company.group_id as {{ ids.from_id | replace('_id', '_group_id') }},
        to_company.company_id as {{ ids.to_id }},
        to_company.group_id as {{ ids.to_id | replace('_id', '_group_id') }},
        from_company.matching_companies as from_matches,
        to_company.matching_companies as to_matches,
        supersedable.flow_id as supersedes_known
    from in_build
    left join first_line_per_id
        on in_build.{{ ids.id }} = first_line_per_id.flow_id
    left join company_names as from_company
        on lower(in_build.{{ ids.from_name }}) = from_company.name_key
    left join company_names as to_company
        on lower(in_build.{{ ids.to_name }}) = to_company.name_key
    left join ids_in_file as supersedable
        on in_build.{{ ids.supersedes }} = supersedable.flow_id
),

converted as (
    {{ with_latest_rate('resolved', 'fx_rates') }}
),

judged as (
    select
        *,
        {{ first_reason([
            'unreadable_reason',
            'row_reason',
            "case when source_line <> first_line then 'duplicate " ~ ids.id ~ " ''' || " ~ ids.id ~ " || ''' (first on line ' || first_line || '): give each row its own id' end",
            "case when from_matches is not null then 'ambiguous company name ''' || " ~ ids.from_name ~ " || ''' in " ~ ids.from_name ~ ": it matches ' || from_matches || '; use the company_id' end",
            "case when to_matches is not null then 'ambiguous company name ''' || " ~ ids.to_name ~ " || ''' in " ~ ids.to_name ~ ": it matches ' || to_matches || '; use the company_id' end",
            "case when " ~ ids.from_id ~ " is null then 'unknown company ''' || " ~ ids.from_name ~ " || ''' in " ~ ids.from_name ~ ": add it to companies.csv or company_aliases.csv' end",
            "case when " ~ ids.to_id ~ " is null then 'unknown company ''' || " ~ ids.to_name ~ " || ''' in " ~ ids.to_name ~ ": add it to companies.csv or company_aliases.csv' end",
            "case when " ~ (ids.from_id | replace('_id', '_group_id')) ~ " = " ~ (ids.to_id | replace('_id', '_group_id')) ~ " then 'flow from group ''' || " ~ (ids.from_id | replace('_id', '_group_id')) ~ " || ''' to itself: ' || " ~ ids.from_id ~ " || ' and ' || " ~ ids.to_id ~ " || ' roll up to the same group' end",
            "case when usd_per_unit is null then 'no ' || currency || ' rate in fx_rates.csv on or before ' || announced_date || ': add one' end",
            "case when " ~ is_too_large('amount_millions', 'amount_approximate', 'usd_per_unit') ~ " then 'amount too large' end",
            "case when " ~ ids.supersedes ~ " = " ~ ids.id ~ " then '" ~ ids.supersedes ~ " ''' || " ~ ids.supersedes ~ " || ''' names the row itself: a row cannot replace itself' end",
            "case when " ~ ids.supersedes ~ " is not null and supersedes_known is null then '" ~ ids.supersedes ~ " ''' || " ~ ids.supersedes ~ " || ''' names no row of " ~ staging_model | replace('stg_csv__', '') ~ ".csv' end",
        ]) }} as rejection_reason
    from converted
),

accepted as (
    select {{ ids.supersedes }} as superseded_id
    from judged
    where rejection_reason is null
      and {{ ids.supersedes }} is not null
),

final as (
    select
        judged.source_file,
        judged.source_line,
        judged.{{ ids.id }},
        judged.announced_date,
        judged.{{ ids.from_id }},
        judged.{{ ids.to_id }},
        judged.{{ ids.from_id | replace('_id', '_group_id') }},
        judged.{{ ids.to_id | replace('_id', '_group_id') }},
        {{ usd_millions('judged.amount_millions', 'judged.amount_approximate', 'judged.usd_per_unit') }}
            as amount_usd_m,
        judged.amount_millions,
        judged.currency,
        judged.usd_per_unit,
        judged.amount_qualifier,
        {%- for column in ids.details %}
        judged.{{ column }},
        {%- endfor %}
        judged.{{ ids.supersedes }},
        judged.rejection_reason is null
            and judged.{{ ids.id }} in (select superseded_id from accepted) as is_superseded,
        judged.source_url,
        judged.notes,
        judged.rejection_reason
    from judged
)

select * from final

{% endmacro %}

{#- Whether an amount's USD value is 10^24 millions or more: exact for USD, on the
    approximate value otherwise (the exact product may not fit in DECIMAL(38)). -#}
{% macro is_too_large(amount, approximate, usd_per_unit) -%}
    case
        when {{ usd_per_unit }} = 1
            then ({{ amount }} is null and {{ approximate }} is not null)
                or {{ amount }} >= cast('1000000000000000000000000' as decimal(38, 12))
        else {{ approximate }} * cast({{ usd_per_unit }} as double) >= 1e24
    end
{%- endmacro %}

{#- An amount in USD millions rounded half-up to 0.01, exactly. The product of an amount
    (scale 12) and a rate (scale 10) fits DECIMAL(38) below 10^16; larger values are
    multiplied at scale 4, still exact to the cent for any amount written to 4 decimals. -#}
{% macro usd_millions(amount, approximate, usd_per_unit) -%}
    case
        when {{ amount }} is null or {{ usd_per_unit }} is null then null
        when {{ is_too_large(amount, approximate, usd_per_unit) }} then null
        when {{ usd_per_unit }} = 1 then round({{ amount }}, 2)
        when {{ approximate }} * cast({{ usd_per_unit }} as double) < 1e15
            then round({{ amount }} * {{ usd_per_unit }}, 2)
        else round(cast({{ amount }} as decimal(38, 4)) * {{ usd_per_unit }}, 2)
    end::decimal(38, 2)
{%- endmacro %}

{#- A flow with the rate of its currency on or before its date: `usd_per_unit` (1 for USD)
    and `fx_rate_date`. DuckDB has an ASOF join; Spark takes the latest of the rates on or
    before the date with row_number (flows are one per source_line). -#}
{% macro with_latest_rate(flows, rates) -%}
    {{ return(adapter.dispatch('with_latest_rate', 'circularity')(flows, rates)) }}
{%- endmacro %}

{% macro duckdb__with_latest_rate(flows, rates) -%}
    {#- Only the rows in other currencies take part in the ASOF join, which sorts its input:
        most rows are in USD. -#}
    select
        {{ flows }}.*,
        1.0 as usd_per_unit,
        cast(null as date) as fx_rate_date
    from {{ flows }}
    where {{ flows }}.currency = 'USD'
    union all
    select
        {{ flows }}.*,
        {{ rates }}.usd_per_unit,
        {{ rates }}.rate_date as fx_rate_date
    from {{ flows }}
    asof left join {{ rates }}
        on {{ flows }}.currency = {{ rates }}.currency
        and {{ flows }}.announced_date >= {{ rates }}.rate_date
    where {{ flows }}.currency is distinct from 'USD'
{%- endmacro %}

{% macro spark__with_latest_rate(flows, rates) -%}
    select
        {{ flows }}.*,
        case
            when {{ flows }}.currency = 'USD' then 1.0
            else latest_rate.usd_per_unit
        end as usd_per_unit,
        latest_rate.rate_date as fx_rate_date
    from {{ flows }}
    left join (
        select
            dated_flow.source_line,
            {{ rates }}.usd_per_unit,
            {{ rates }}.rate_date,
            row_number() over (
                partition by dated_flow.source_line order by {{ rates }}.rate_date desc
            ) as recency
        from {{ flows }} as dated_flow
        inner join {{ rates }}
            on dated_flow.currency = {{ rates }}.currency
            and dated_flow.announced_date >= {{ rates }}.rate_date
    ) as latest_rate
        on {{ flows }}.source_line = latest_rate.source_line
        and latest_rate.recency = 1
{%- endmacro %}

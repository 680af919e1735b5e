{#- The shared judgement of deals and pledges: both are flows of money between two
    companies, with one set of rules (as-of, duplicates, company names, groups, FX,
    supersession). `ids` names the columns of one file:
      id, from_name, to_name, from_id, to_id, supersedes (the staging column names and the
      names the resolved columns take), and details: the file's own columns that the
      resolved rows carry on to its fact mart. -#}
{% macro resolve_flows(staging_model, ids) %}
{#- Reasons name the file's columns (investor), not the staging ones (investor_name). -#}
{%- set from_column = ids.from_name | replace('_name', '') -%}
{%- set to_column = ids.to_name | replace('_name', '') -%}

with

-- Rows announced after the as-of date are not part of this build at all; rows whose
-- fields or date cannot be read are rejected in every build.
in_build as {{ not_materialized() }} (
    select *
    from {{ ref(staging_model) }}
    where {{ in_build_condition() }}
),

-- Among the rows in the build, the first by line owns its id whatever its fate; a record
-- that cannot be split into fields has no readable id and owns none. Only ids on more than
-- one row are kept, and only ids some row supersedes: small tables to join, however many
-- rows. Both read the staging model again for a few columns rather than a wide CTE the
-- engine would have to hold whole in memory for two readers.
repeated_ids as (
    select
        {{ ids.id }} as flow_id,
        min(source_line) as first_line
    from {{ ref(staging_model) }}
    where {{ in_build_condition() }}
      and split_error is null
      and {{ ids.id }} is not null
    group by {{ ids.id }}
    having count(*) > 1
),

-- Rows announced after the as-of date were not written yet: a supersedes id naming one
-- names no row.
superseded_ids_in_build as (
    select distinct {{ ids.id }} as flow_id
    from {{ ref(staging_model) }}
    where {{ in_build_condition() }}
      and {{ ids.id }} in (
        select {{ ids.supersedes }} from {{ ref(staging_model) }}
        where {{ ids.supersedes }} is not null
    )
),

-- The rate of each (currency, day) a flow needs: the latest on or before that day.
rates_on_days as (
    {{ rates_on_days(ref(staging_model), ref('int_fx_rates_validated')) }}
),

company_names as (
    select * from {{ ref('int_company_names_indexed') }}
),

converted as {{ not_materialized() }} (
    select
        in_build.*,
        repeated_ids.first_line,
        from_company.company_id as {{ ids.from_id }},
        from_company.group_id as {{ ids.from_id | replace('_id', '_group_id') }},
        to_company.company_id as {{ ids.to_id }},
        to_company.group_id as {{ ids.to_id | replace('_id', '_group_id') }},
        from_company.matching_companies as from_matches,
        to_company.matching_companies as to_matches,
        from_company.rejected_company_id as from_rejected,
        to_company.rejected_company_id as to_rejected,
        supersedable.flow_id as supersedes_known,
        case
            when in_build.currency = 'USD' then 1.0
            else rates_on_days.usd_per_unit
        end as usd_per_unit
    from in_build
    left join repeated_ids
        on in_build.{{ ids.id }} = repeated_ids.flow_id
    left join company_names as from_company
        on lower(in_build.{{ ids.from_name }}) = from_company.name_key
    left join company_names as to_company
        on lower(in_build.{{ ids.to_name }}) = to_company.name_key
    left join superseded_ids_in_build as supersedable
        on in_build.{{ ids.supersedes }} = supersedable.flow_id
    left join rates_on_days
        on in_build.currency = rates_on_days.currency
        and in_build.announced_date = rates_on_days.announced_date
),

-- judged (and the CTEs it reads) is read twice, for the rows and for the ids accepted rows
-- supersede: inlined, so that the second reader computes only the few rows that supersede
-- another, and no copy of every row is held in memory.
judged as {{ not_materialized() }} (
    select
        *,
        {{ first_reason([
            'unreadable_reason',
            'row_reason',
            "case when source_line <> first_line then 'duplicate " ~ ids.id ~ " ''' || " ~ ids.id ~ " || ''' (first on line ' || first_line || '): give each row its own id' end",
            "case when from_matches is not null then 'ambiguous company name ''' || " ~ ids.from_name ~ " || ''' in " ~ from_column ~ ": it matches ' || from_matches || '; use the company_id' end",
            "case when to_matches is not null then 'ambiguous company name ''' || " ~ ids.to_name ~ " || ''' in " ~ to_column ~ ": it matches ' || to_matches || '; use the company_id' end",
            "case when from_rejected is not null then 'company ''' || " ~ ids.from_name ~ " || ''' in " ~ from_column ~ " is rejected in companies.csv: fix its row there (see rejected_rows for why)' end",
            "case when to_rejected is not null then 'company ''' || " ~ ids.to_name ~ " || ''' in " ~ to_column ~ " is rejected in companies.csv: fix its row there (see rejected_rows for why)' end",
            "case when " ~ ids.from_id ~ " is null then 'unknown company ''' || " ~ ids.from_name ~ " || ''' in " ~ from_column ~ ": add it to companies.csv or company_aliases.csv' end",
            "case when " ~ ids.to_id ~ " is null then 'unknown company ''' || " ~ ids.to_name ~ " || ''' in " ~ to_column ~ ": add it to companies.csv or company_aliases.csv' end",
            "case when " ~ (ids.from_id | replace('_id', '_group_id')) ~ " = " ~ (ids.to_id | replace('_id', '_group_id')) ~ " then 'flow from group ''' || " ~ (ids.from_id | replace('_id', '_group_id')) ~ " || ''' to itself: ''' || " ~ ids.from_id ~ " || ''' and ''' || " ~ ids.to_id ~ " || ''' roll up to the same group' end",
            "case when usd_per_unit is null then 'no ''' || currency || ''' rate in fx_rates.csv on or before ''' || announced_date || ''': add one' end",
            "case when " ~ is_too_large('amount_millions', 'amount_approximate', 'usd_per_unit') ~ " then 'amount too large' end",
            "case when amount_millions is null and amount_approximate is not null then 'amount too large to keep exactly: at most 26 digits before the decimal point' end",
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
    approximate (double precision) product otherwise, as the exact product may not fit in
    DECIMAL(38). That product is off by a few parts in 10^16 at most, so it is held to
    10^24 less a part in 10^12: no exact product it lets through can overflow the
    conversion below, at the cost of rejecting values within a part in 10^12 of 10^24. -#}
{% macro is_too_large(amount, approximate, usd_per_unit) -%}
    case
        when {{ usd_per_unit }} = 1
            then ({{ amount }} is null and {{ approximate }} is not null)
                or {{ amount }} >= cast('1000000000000000000000000' as decimal(38, 12))
        else {{ approximate }} * cast({{ usd_per_unit }} as double) >= 0.999999999999e24
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

{#- Whether a staging row is part of the build: announced on or before the as-of date, or
    unreadable (rejected in every build). -#}
{% macro in_build_condition() -%}
    (unreadable_reason is not null
        or {{ as_of_date() }} is null
        or announced_date <= {{ as_of_date() }})
{%- endmacro %}

{#- For every (currency, announced_date) of the flows other than USD: `usd_per_unit`, the
    latest rate of the currency on or before that day, and its `rate_date`. Computed on the
    distinct days, a few thousand rows however many flows. DuckDB has an ASOF join; Spark
    takes the latest of the rates on or before the day with row_number. -#}
{% macro rates_on_days(flows, rates) -%}
    {%- set days_needed -%}
        select distinct
            currency,
            announced_date
        from {{ flows }}
        where currency <> 'USD' and announced_date is not null
    {%- endset -%}
    {%- set valid_rates -%}
        select * from {{ rates }}
        where rejection_reason is null
    {%- endset -%}
    {{ return(adapter.dispatch('rates_on_days', 'circularity')(days_needed, valid_rates)) }}
{%- endmacro %}

{% macro duckdb__rates_on_days(days_needed, valid_rates) -%}
    select
        needed.currency,
        needed.announced_date,
        rates.usd_per_unit,
        rates.rate_date
    from ({{ days_needed }}) as needed
    asof left join ({{ valid_rates }}) as rates
        on needed.currency = rates.currency
        and needed.announced_date >= rates.rate_date
{%- endmacro %}

{% macro spark__rates_on_days(days_needed, valid_rates) -%}
    select
        currency,
        announced_date,
        usd_per_unit,
        rate_date
    from (
        select
            needed.currency,
            needed.announced_date,
            rates.usd_per_unit,
            rates.rate_date,
            row_number() over (
                partition by needed.currency, needed.announced_date
                order by rates.rate_date desc
            ) as recency
        from ({{ days_needed }}) as needed
        inner join ({{ valid_rates }}) as rates
            on needed.currency = rates.currency
            and needed.announced_date >= rates.rate_date
    ) as ranked
    where recency = 1
{%- endmacro %}

{#- A CTE read more than once is inlined into each reader, not held whole in memory: DuckDB
    says so; Spark always inlines. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'circularity')()) }}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

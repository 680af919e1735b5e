{#- The shared judgement of deals and pledges: both are flows of money between two
    companies, with one set of rules (as-of, duplicates, company names, groups, FX,
    supersession). `ids` names the columns of one file:
      id, from_name, to_name, from_id, to_id, supersedes (the staging column names and the
      names the resolved columns take). -#}
{% macro resolve_flows(staging_model, ids) %}

with

staged as (
    select
        *,
        {{ as_of_date() }} as as_of_date
    from {{ ref(staging_model) }}
),

-- Rows announced after the as-of date are not part of this build at all; rows whose
-- fields or date cannot be read are rejected in every build.
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
    where unreadable_reason is null
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
    select
        resolved.*,
        case
            when resolved.currency = 'USD' then 1.0
            else fx_rates.usd_per_unit
        end as usd_per_unit,
        fx_rates.rate_date as fx_rate_date
    from resolved
    asof left join fx_rates
        on resolved.currency = fx_rates.currency
        and resolved.announced_date >= fx_rates.rate_date
),

judged as (
    select
        *,
        {{ first_reason([
            'unreadable_reason',
            'row_reason',
            "case when source_line <> first_line then 'duplicate " ~ ids.id ~ " ''' || " ~ ids.id ~ " || ''' (first on line ' || first_line || '): give each row its own id' end",
            "case when " ~ ids.from_id ~ " is null then 'unknown company ''' || " ~ ids.from_name ~ " || ''' in " ~ ids.from_name ~ ": add it to companies.csv or company_aliases.csv' end",
            "case when " ~ ids.to_id ~ " is null then 'unknown company ''' || " ~ ids.to_name ~ " || ''' in " ~ ids.to_name ~ ": add it to companies.csv or company_aliases.csv' end",
            "case when " ~ (ids.from_id | replace('_id', '_group_id')) ~ " = " ~ (ids.to_id | replace('_id', '_group_id')) ~ " then 'flow from group ''' || " ~ (ids.from_id | replace('_id', '_group_id')) ~ " || ''' to itself: ' || " ~ ids.from_id ~ " || ' and ' || " ~ ids.to_id ~ " || ' roll up to the same group' end",
            "case when usd_per_unit is null then 'no ' || currency || ' rate in fx_rates.csv on or before ' || announced_date || ': add one' end",
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
        judged.* exclude (first_line, supersedes_known, as_of_date, unreadable_reason, row_reason),
        round(judged.amount_millions * judged.usd_per_unit, 2)::decimal(38, 2) as amount_usd_m,
        judged.rejection_reason is null
            and judged.{{ ids.id }} in (select superseded_id from accepted) as is_superseded
    from judged
)

select * from final

{% endmacro %}

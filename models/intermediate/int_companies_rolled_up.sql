-- Every company row, judged, and rolled up to its group (ultimate parent) over any depth.
-- A company is accepted only when its own row is sound, its id is the first of its kind,
-- and its parent chain reaches a top-level company through accepted companies.

{# The first row by line owns its id, whether it is sound or rejected for another reason (a
   record that cannot be split has no readable id and owns none); the companies that may
   head or join a group are the owners that are sound. Spark's walk
   (macros/company_walk.sql) starts from the same CTEs. #}
{% set candidate_ctes -%}
companies as (
    select * from {{ ref('stg_csv__companies') }}
),

first_line_per_id as (
    select
        company_key,
        min(source_line) as first_line
    from companies
    where split_error is null
      and company_key is not null
    group by company_key
),

candidates as (
    select companies.*
    from companies
    inner join first_line_per_id
        on companies.company_key = first_line_per_id.company_key
        and companies.source_line = first_line_per_id.first_line
    where companies.row_reason is null
)
{%- endset %}

with

{{ candidate_ctes }},

rolled_up as (
    {{ company_walk('candidates', candidate_ctes) }}
),

judged as (
    select
        companies.source_file,
        companies.source_line,
        companies.company_id,
        companies.name,
        rolled_up.parent_company_id as parent_id,
        rolled_up.group_id,
        rolled_up.depth,
        companies.kind,
        companies.country,
        {{ first_reason([
            'companies.row_reason',
            "case when companies.source_line <> first_line_per_id.first_line then 'duplicate company_id ''' || companies.company_id || ''' (first on line ' || first_line_per_id.first_line || '): give each company one row' end",
            "case when rolled_up.company_key is null and companies.parent_key not in (select owners.company_key from first_line_per_id as owners) then 'parent_id ''' || companies.parent_id || ''' names no company: add that company or blank parent_id' end",
            "case when rolled_up.company_key is null then 'parent_id ''' || companies.parent_id || ''' does not lead to a top-level company: the parent chain loops or passes a rejected company' end",
        ]) }} as rejection_reason
    from companies
    left join first_line_per_id
        on companies.company_key = first_line_per_id.company_key
    left join rolled_up
        on companies.company_key = rolled_up.company_key
        and companies.source_line in (select source_line from candidates)
),

final as (
    select * from judged
)

select * from final

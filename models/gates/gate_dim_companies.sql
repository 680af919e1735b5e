-- One row per company with the facts its gate checks: a known parent, and a group that is
-- a top-level company.

with

companies as (
    select * from {{ ref('dim_companies') }}
),

company_ids as (
    select company_id from companies
    where company_id is not null
),

top_level_ids as (
    select company_id from companies
    where parent_id is null and company_id is not null
),

final as (
    select
        company_id,
        group_id,
        kind,
        country,
        parent_id is null
        or parent_id in (select company_ids.company_id from company_ids) as has_known_parent,
        group_id in (select top_level_ids.company_id from top_level_ids) as group_is_top_level
    from companies
)

select * from final

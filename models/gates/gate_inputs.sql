-- One row per input file: where every physical line and every record of it went. The
-- inputs gate checks that the lines add up to the file's own count (taken apart from the
-- reader), that every record is in exactly one of facts, rejected rows or after the as-of
-- date, and that no file is mostly rejected.

with

input_files as (
    {%- for file in var('input_files') %}
    select '{{ file }}.csv' as source_file
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

base_lines as (
    {%- for file in var('input_files') %}
    select
        '{{ file }}.csv' as source_file,
        source_line,
        line_count,
        is_blank
    from {{ ref('base_csv__' ~ file) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

lines_in_order as (
    select
        *,
        lag(source_line + line_count) over (
            partition by source_file order by source_line
        ) as previous_end
    from base_lines
),

lines_per_file as (
    select
        source_file,
        1 + sum(line_count) as physical_lines_read,
        count(*) filter (where not coalesce(is_blank, false)) as records,
        count(*) filter (where source_line < previous_end) as lines_read_twice
    from lines_in_order
    group by source_file
),

accepted_lines as (
    select
        'companies.csv' as source_file,
        source_line
    from {{ ref('dim_companies') }}
    union all
    select
        source_file,
        source_line
    from {{ ref('int_company_aliases_validated') }}
    where rejection_reason is null
    union all
    select
        source_file,
        source_line
    from {{ ref('int_fx_rates_validated') }}
    where rejection_reason is null
    union all
    select
        'deals.csv' as source_file,
        source_line
    from {{ ref('fct_investments') }}
    union all
    select
        'pledges.csv' as source_file,
        source_line
    from {{ ref('fct_pledges') }}
),

rejected_lines as (
    select
        source_file,
        source_line
    from {{ ref('rejected_rows') }}
),

after_as_of_lines as (
    select
        source_file,
        source_line
    from {{ ref('stg_csv__deals') }}
    where unreadable_reason is null and announced_date > {{ as_of_date() }}
    union all
    select
        source_file,
        source_line
    from {{ ref('stg_csv__pledges') }}
    where unreadable_reason is null and announced_date > {{ as_of_date() }}
),

accounted_lines as (
    select
        source_file,
        source_line,
        'accepted' as outcome
    from accepted_lines
    union all
    select
        source_file,
        source_line,
        'rejected' as outcome
    from rejected_lines
    union all
    select
        source_file,
        source_line,
        'after_as_of' as outcome
    from after_as_of_lines
),

outcomes_per_file as (
    select
        source_file,
        count(*) filter (where outcome = 'accepted') as accepted_rows,
        count(*) filter (where outcome = 'rejected') as rejected_rows,
        count(*) filter (where outcome = 'after_as_of') as after_as_of_rows,
        count(*) - count(distinct source_line) as records_counted_twice
    from accounted_lines
    group by source_file
),

duplicate_accepted_ids as (
    select
        'companies.csv' as source_file,
        count(*) - count(distinct lower(company_id)) as ids
    from {{ ref('dim_companies') }}
    union all
    select
        'company_aliases.csv' as source_file,
        count(*) - count(distinct alias_key) as ids
    from {{ ref('int_company_aliases_validated') }}
    where rejection_reason is null
    union all
    select
        'fx_rates.csv' as source_file,
        count(*) - count(distinct {{ row_value(['currency', 'rate_date']) }}) as ids
    from {{ ref('int_fx_rates_validated') }}
    where rejection_reason is null
    union all
    select
        'deals.csv' as source_file,
        count(*) - count(distinct deal_id) as ids
    from {{ ref('fct_investments') }}
    union all
    select
        'pledges.csv' as source_file,
        count(*) - count(distinct pledge_id) as ids
    from {{ ref('fct_pledges') }}
),

final as (
    select
        input_files.source_file,
        coalesce(lines_per_file.physical_lines_read, 1) as physical_lines_read,
        coalesce(lines_per_file.lines_read_twice, 0) as lines_read_twice,
        coalesce(lines_per_file.records, 0) as records,
        coalesce(outcomes_per_file.accepted_rows, 0) as accepted_rows,
        coalesce(outcomes_per_file.rejected_rows, 0) as rejected_rows,
        coalesce(outcomes_per_file.after_as_of_rows, 0) as after_as_of_rows,
        coalesce(outcomes_per_file.accepted_rows, 0)
        + coalesce(outcomes_per_file.rejected_rows, 0)
        + coalesce(outcomes_per_file.after_as_of_rows, 0) as records_accounted,
        coalesce(outcomes_per_file.records_counted_twice, 0) as records_counted_twice,
        coalesce(
            outcomes_per_file.rejected_rows
            / nullif(outcomes_per_file.accepted_rows + outcomes_per_file.rejected_rows, 0),
            0.0
        ) as rejected_share,
        coalesce(duplicate_accepted_ids.ids, 0) as duplicate_accepted_ids
    from input_files
    left join lines_per_file
        on input_files.source_file = lines_per_file.source_file
    left join outcomes_per_file
        on input_files.source_file = outcomes_per_file.source_file
    left join duplicate_accepted_ids
        on input_files.source_file = duplicate_accepted_ids.source_file
)

select * from final

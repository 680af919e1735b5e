-- The yardstick of `circularity bench`: the seven marts of the contract, written by hand
-- from the public contract of the project and its settled rules, as one plain
-- DuckDB script. No dbt, no macro or model of the project: only the contract's rules, so a
-- build that breaks one of them and a reference that shares the mistake cannot agree by
-- construction.
--
-- Input: the runner binds the data directory with `set variable data_dir = ?` before the
-- script runs (the path is never pasted into SQL). Output: schema `marts` of the current
-- database.
--
-- Dialect: this script reads the dialect of `circularity synth` only: no quotes, one record
-- per physical line ending in LF, canonical headers in the canonical column order, no blank
-- lines, no control bytes. So each physical line is read as one text value with its line
-- number (DuckDB's parallel CSV reader with a delimiter that never occurs, quoting off,
-- `with ordinality`), and fields are `string_split` on commas; a line with the wrong number
-- of fields is rejected. Quoted fields, CR line ends, blank lines, byte order marks, column
-- orders and bytes that are not UTF-8 are the build's business and are not handled here.
-- Nor is `--as-of` (the bench builds without it), and amounts are exact to 10 decimals
-- and below 10^18 USD millions (the synthetic data stays far inside both).

create schema if not exists marts;

-- Every physical line of one input file, numbered from 1 (the header).
create or replace temp macro csv_lines(file_name) as table
    select
        line_number::bigint as source_line,
        line as record
    from read_csv(
        getvariable('data_dir') || '/' || file_name,
        header = false,
        columns = {'line': 'VARCHAR'},
        delim = chr(1),
        quote = '',
        escape = '',
        auto_detect = false
    ) with ordinality as lines(line, line_number);

-- A date is YYYY-MM-DD in ASCII digits and a real calendar day from 0001-01-01.
create or replace temp macro parse_date(text) as
    case when regexp_full_match(text, '[0-9]{4}-[0-9]{2}-[0-9]{2}') then try_cast(text as date) end;

-- A plain decimal number: optional sign, ASCII digits, optional fraction.
create or replace temp macro is_number(text) as
    regexp_full_match(text, '[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)');


-- companies.csv ----------------------------------------------------------------------------

create or replace temp table companies_read as
with

lines as (
    select source_line, record, string_split(record, ',') as parts
    from csv_lines('companies.csv')
    where source_line > 1
),

fields as (
    select
        source_line,
        record,
        len(parts) = 5 as well_formed,
        trim(parts[1]) as company_id,
        trim(parts[2]) as name,
        nullif(trim(parts[3]), '') as parent_id,
        trim(parts[4]) as kind,
        nullif(trim(parts[5]), '') as country
    from lines
),

id_owners as (
    select lower(company_id) as company_key, min(source_line) as owner_line
    from fields
    where well_formed and company_id <> ''
    group by all
),

final as (
    select
        fields.*,
        case
            when not well_formed then 'wrong number of fields'
            when company_id = '' or name = '' or kind = '' then 'missing required field'
            when source_line <> id_owners.owner_line then 'duplicate company_id'
            when kind not in ('hyperscaler', 'chipmaker', 'ai_lab', 'neocloud', 'investor', 'other')
                then 'unknown kind'
        end as own_reason
    from fields
    left join id_owners on lower(fields.company_id) = id_owners.company_key
)

select * from final;

-- Roll-up of any depth: walk down from the top-level companies; a company never reached
-- has a parent that names no company, sits in a parent cycle, or sits below such a company.
create or replace temp table company_groups as
with recursive

valid as (
    select company_id, parent_id from companies_read where own_reason is null
),

tree(company_id, group_id) as (
    select company_id, company_id from valid where parent_id is null
    union all
    select valid.company_id, tree.group_id
    from valid
    join tree on valid.parent_id = tree.company_id
),

final as (
    select * from tree
)

select * from final;

create or replace table marts.dim_companies as
with

companies as (
    select * from companies_read where own_reason is null
),

final as (
    select
        companies.company_id,
        companies.name,
        companies.parent_id,
        company_groups.group_id,
        companies.kind,
        companies.country
    from companies
    join company_groups on companies.company_id = company_groups.company_id
)

select * from final;


-- company_aliases.csv ----------------------------------------------------------------------

create or replace temp table aliases_read as
with

lines as (
    select source_line, record, string_split(record, ',') as parts
    from csv_lines('company_aliases.csv')
    where source_line > 1
),

fields as (
    select
        source_line,
        record,
        len(parts) = 2 as well_formed,
        trim(parts[1]) as alias,
        trim(parts[2]) as company_id
    from lines
),

final as (
    select
        fields.*,
        case
            when not well_formed then 'wrong number of fields'
            when alias = '' or fields.company_id = '' then 'missing required field'
            when dim_companies.company_id is null then 'unknown company'
        end as reason
    from fields
    left join marts.dim_companies on fields.company_id = dim_companies.company_id
)

select * from final;

-- Every way a flow may name a company: lower-cased id, name or alias. The best kind of
-- match wins (id, then name, then alias); a key that names two companies at its best kind
-- is ambiguous and resolves to nothing.
create or replace temp table company_keys as
with

keys as (
    select lower(company_id) as company_key, 1 as match_rank, company_id
    from marts.dim_companies
    union all
    select lower(name), 2, company_id
    from marts.dim_companies
    union all
    select lower(alias), 3, company_id
    from aliases_read
    where reason is null
),

by_rank as (
    select
        company_key,
        match_rank,
        count(distinct company_id) as companies,
        min(company_id) as company_id
    from keys
    group by company_key, match_rank
    qualify match_rank = min(match_rank) over (partition by company_key)
),

final as (
    select
        by_rank.company_key,
        by_rank.companies > 1 as is_ambiguous,
        case when by_rank.companies = 1 then by_rank.company_id end as company_id,
        case when by_rank.companies = 1 then dim_companies.group_id end as group_id
    from by_rank
    left join marts.dim_companies
        on by_rank.company_id = dim_companies.company_id and by_rank.companies = 1
)

select * from final;


-- fx_rates.csv -----------------------------------------------------------------------------

create or replace temp table fx_read as
with

lines as (
    select source_line, record, string_split(record, ',') as parts
    from csv_lines('fx_rates.csv')
    where source_line > 1
),

fields as (
    select
        source_line,
        record,
        len(parts) = 3 as well_formed,
        trim(parts[1]) as currency,
        trim(parts[2]) as rate_date_text,
        trim(parts[3]) as usd_per_unit_text
    from lines
),

parsed as (
    select
        *,
        parse_date(rate_date_text) as rate_date,
        case when is_number(usd_per_unit_text) then try_cast(usd_per_unit_text as decimal(38, 10)) end
            as usd_per_unit
    from fields
),

final as (
    select
        *,
        case
            when not well_formed then 'wrong number of fields'
            when currency = '' or rate_date_text = '' or usd_per_unit_text = ''
                then 'missing required field'
            when rate_date is null then 'date does not parse'
            when usd_per_unit is null then 'rate is not a number'
            when usd_per_unit <= 0 then 'rate is not positive'
            when row_number() over (partition by currency, rate_date order by source_line) > 1
                then 'duplicate rate'
        end as reason
    from parsed
)

select * from final;


-- deals.csv and pledges.csv, read and judged together ------------------------------------
-- Both files share their first seven columns; then deals have instrument, pledges
-- period_years and category; both end in supersedes id, source_url, notes. The fields are
-- materialized once: the ids must be known before any row is judged, and a table of
-- known size lets DuckDB build its hash joins on the small sides.

create or replace temp table flows_read as
with

lines as (
    select 'deals.csv' as source_file, source_line, record, string_split(record, ',') as parts
    from csv_lines('deals.csv')
    where source_line > 1
    union all
    select 'pledges.csv', source_line, record, string_split(record, ',')
    from csv_lines('pledges.csv')
    where source_line > 1
),

fields as (
    select
        source_file,
        source_line,
        record,
        source_file = 'deals.csv' as is_deal,
        len(parts) = (case when source_file = 'deals.csv' then 11 else 12 end) as well_formed,
        trim(parts[1]) as flow_id,
        trim(parts[2]) as date_text,
        trim(parts[3]) as from_name,
        trim(parts[4]) as to_name,
        trim(parts[5]) as amount_text,
        trim(parts[6]) as currency,
        trim(parts[7]) as amount_qualifier,
        case when source_file = 'deals.csv' then trim(parts[8]) end as instrument,
        case when source_file = 'pledges.csv' then trim(parts[8]) end as period_text,
        case when source_file = 'pledges.csv' then trim(parts[9]) end as category,
        nullif(trim(parts[-3]), '') as supersedes_id,
        trim(parts[-2]) as source_url
    from lines
),

final as (
    select
        *,
        parse_date(date_text) as announced_date,
        is_number(amount_text) as amount_is_number,
        case when is_number(amount_text) then try_cast(amount_text as decimal(38, 10)) end
            as amount_millions,
        case when is_number(period_text) then try_cast(period_text as decimal(38, 10)) end
            as period_years
    from fields
)

select * from final;

-- The first row by line owns its id (accepted or not); a row with the wrong number of
-- fields has no readable id. These are also the ids a `supersedes` id may name.
create or replace temp table flow_ids as
select source_file, flow_id, min(source_line) as owner_line
from flows_read
where well_formed and flow_id <> ''
group by all;

-- Each currency's rate on every day from its first rate to the last flow date: "the latest
-- rate on or before the day" becomes one equality join.
create or replace temp table fx_daily as
with

rates as (
    select
        currency,
        rate_date,
        usd_per_unit,
        lead(rate_date) over (partition by currency order by rate_date) as next_rate_date
    from fx_read
    where reason is null
),

last_day as (
    select max(announced_date) as last_day from flows_read
),

final as (
    select rates.currency, days.day::date as rate_day, rates.usd_per_unit
    from rates
    cross join last_day
    cross join range(
        rates.rate_date,
        coalesce(rates.next_rate_date, greatest(last_day.last_day, rates.rate_date) + 1),
        interval 1 day
    ) as days(day)
)

select * from final;

create or replace temp table flows_judged as
with

resolved as (
    select
        flows.*,
        owners.owner_line,
        supersedable.flow_id is not null as supersedes_known,
        from_key.is_ambiguous as from_ambiguous,
        from_key.company_id as from_id,
        from_key.group_id as from_group_id,
        to_key.is_ambiguous as to_ambiguous,
        to_key.company_id as to_id,
        to_key.group_id as to_group_id,
        case when flows.currency = 'USD' then 1::decimal(38, 10) else fx_daily.usd_per_unit end
            as usd_per_unit
    from flows_read as flows
    left join flow_ids as owners
        on flows.source_file = owners.source_file and flows.flow_id = owners.flow_id
    left join flow_ids as supersedable
        on flows.source_file = supersedable.source_file
        and flows.supersedes_id = supersedable.flow_id
    left join company_keys as from_key on lower(flows.from_name) = from_key.company_key
    left join company_keys as to_key on lower(flows.to_name) = to_key.company_key
    left join fx_daily
        on flows.currency = fx_daily.currency and flows.announced_date = fx_daily.rate_day
),

converted as (
    select
        *,
        case when currency = 'USD' then round(amount_millions, 2)
            else round(amount_millions * usd_per_unit, 2)
        end as amount_usd_m
    from resolved
),

final as (
    select
        source_file,
        source_line,
        record,
        is_deal,
        flow_id,
        announced_date,
        from_id,
        to_id,
        from_group_id,
        to_group_id,
        amount_usd_m,
        amount_qualifier,
        instrument,
        period_years,
        category,
        supersedes_id,
        source_url,
        case
            when not well_formed then 'wrong number of fields'
            when flow_id = '' or date_text = '' or from_name = '' or to_name = ''
                or currency = '' or amount_qualifier = '' or source_url = ''
                or (is_deal and instrument = '') or (not is_deal and category = '')
                then 'missing required field'
            when source_line <> owner_line then 'duplicate id'
            when announced_date is null then 'date does not parse'
            when amount_qualifier not in ('exact', 'approx', 'up_to', 'at_least', 'undisclosed')
                then 'unknown qualifier'
            when amount_qualifier = 'undisclosed' and amount_text <> ''
                then 'amount given with undisclosed'
            when amount_qualifier <> 'undisclosed' and amount_text = ''
                then 'amount missing without undisclosed'
            when amount_text <> '' and not amount_is_number then 'amount is not a number'
            when amount_millions < 0 then 'negative amount'
            when amount_text <> '' and amount_millions is null then 'amount too large'
            when is_deal
                and instrument not in (
                    'equity', 'convertible_note', 'warrant', 'credits', 'debt', 'other'
                )
                then 'unknown instrument'
            when not is_deal
                and category not in ('cloud_compute', 'chips', 'datacenter', 'power', 'other')
                then 'unknown category'
            when period_text <> '' and (period_years is null or period_years <= 0)
                then 'period_years is not a positive number'
            when from_ambiguous or to_ambiguous then 'ambiguous company name'
            when from_id is null or to_id is null then 'unknown company'
            when from_group_id = to_group_id then 'flow from a group to itself'
            when usd_per_unit is null then 'currency with no rate'
            when amount_usd_m >= 1e24 then 'amount too large'
            when supersedes_id = flow_id then 'supersedes itself'
            when supersedes_id is not null and not supersedes_known
                then 'supersedes an id that does not exist'
        end as reason
    from converted
)

select * from final;

-- The ids that an accepted row of their file supersedes.
create or replace temp table superseded_ids as
select distinct source_file, supersedes_id as flow_id
from flows_judged
where reason is null and supersedes_id is not null;


-- marts ------------------------------------------------------------------------------------

create or replace table marts.fct_investments as
with

deals as (
    select * from flows_judged where reason is null and is_deal
),

final as (
    select
        deals.flow_id as deal_id,
        deals.announced_date,
        deals.from_id as investor_id,
        deals.to_id as investee_id,
        deals.from_group_id as investor_group_id,
        deals.to_group_id as investee_group_id,
        deals.amount_usd_m::decimal(38, 2) as amount_usd_m,
        deals.amount_qualifier,
        deals.instrument,
        superseded_ids.flow_id is not null as is_superseded,
        deals.source_url
    from deals
    left join superseded_ids
        on superseded_ids.source_file = 'deals.csv' and deals.flow_id = superseded_ids.flow_id
)

select * from final;

-- annualized_usd_m: amount_usd_m / period_years rounded half-up to 0.01, exactly (integer
-- cents and micro-years, no floating point).
create or replace table marts.fct_pledges as
with

pledges as (
    select
        *,
        (amount_usd_m * 100)::hugeint as amount_cents,
        (period_years * 1000000)::hugeint as period_micro_years
    from flows_judged
    where reason is null and not is_deal
),

final as (
    select
        pledges.flow_id as pledge_id,
        pledges.announced_date,
        pledges.from_id as pledger_id,
        pledges.to_id as recipient_id,
        pledges.from_group_id as pledger_group_id,
        pledges.to_group_id as recipient_group_id,
        pledges.amount_usd_m::decimal(38, 2) as amount_usd_m,
        pledges.amount_qualifier,
        pledges.period_years,
        (
            (2 * pledges.amount_cents * 1000000 + pledges.period_micro_years)
            // (2 * pledges.period_micro_years)
        )::decimal(38, 0) * 0.01 as annualized_usd_m,
        pledges.category,
        superseded_ids.flow_id is not null as is_superseded,
        pledges.source_url
    from pledges
    left join superseded_ids
        on superseded_ids.source_file = 'pledges.csv'
        and pledges.flow_id = superseded_ids.flow_id
)

select * from final;

-- Counted rows: accepted and not superseded, as one list of group-to-group flows.
create or replace temp view flows_counted as
select
    true as is_deal,
    investor_group_id as from_group_id,
    investee_group_id as to_group_id,
    amount_usd_m,
    amount_qualifier,
    announced_date
from marts.fct_investments
where not is_superseded
union all
select
    false,
    pledger_group_id,
    recipient_group_id,
    amount_usd_m,
    amount_qualifier,
    announced_date
from marts.fct_pledges
where not is_superseded;

create or replace table marts.investment_totals as
with

deals as (
    select * from flows_counted where is_deal
),

final as (
    select
        from_group_id as investor_group_id,
        to_group_id as investee_group_id,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as invested_usd_m,
        coalesce(sum(amount_usd_m) filter (where amount_qualifier <> 'up_to'), 0)::decimal(38, 2)
            as invested_firm_usd_m,
        count(*) as tranche_count,
        count(*) filter (where amount_qualifier = 'undisclosed') as undisclosed_count,
        min(announced_date) as first_announced,
        max(announced_date) as last_announced
    from deals
    group by all
)

select * from final;

create or replace table marts.reciprocal_spend as
with

pledged as (
    select
        from_group_id as pledger_group_id,
        to_group_id as recipient_group_id,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as pledged_usd_m,
        coalesce(sum(amount_usd_m) filter (where amount_qualifier <> 'up_to'), 0)::decimal(38, 2)
            as pledged_firm_usd_m
    from flows_counted
    where not is_deal
    group by all
),

paired as (
    select
        totals.investor_group_id,
        totals.investee_group_id,
        totals.invested_usd_m,
        totals.invested_firm_usd_m,
        coalesce(pledged.pledged_usd_m, 0)::decimal(38, 2) as pledged_back_usd_m,
        coalesce(pledged.pledged_firm_usd_m, 0)::decimal(38, 2) as pledged_back_firm_usd_m
    from marts.investment_totals as totals
    left join pledged
        on totals.investee_group_id = pledged.pledger_group_id
        and totals.investor_group_id = pledged.recipient_group_id
),

final as (
    select
        investor_group_id,
        investee_group_id,
        invested_usd_m,
        pledged_back_usd_m,
        pledged_back_firm_usd_m,
        pledged_back_usd_m::double / nullif(invested_usd_m, 0)::double as reciprocal_ratio,
        invested_firm_usd_m,
        pledged_back_firm_usd_m::double / nullif(invested_firm_usd_m, 0)::double
            as reciprocal_ratio_firm
    from paired
)

select * from final;

-- Simple directed cycles of 2 to 4 distinct groups. Each is walked once, from its smallest
-- group id with every other group larger, so every rotation but one is never generated.
create or replace table marts.circular_loops as
with

edges as (
    select
        from_group_id as source,
        to_group_id as target,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as amount_usd_m
    from flows_counted
    group by all
),

forward as (
    select * from edges where target > source
),

two_hops as (
    select
        first.source as start,
        [first.source, first.target] as groups,
        least(first.amount_usd_m, back.amount_usd_m) as bottleneck_usd_m
    from forward as first
    join edges as back on back.source = first.target and back.target = first.source
),

paths_two as (
    select
        first.source as start,
        first.target as second,
        second_edge.target as third,
        least(first.amount_usd_m, second_edge.amount_usd_m) as bottleneck_usd_m
    from forward as first
    join edges as second_edge
        on second_edge.source = first.target
        and second_edge.target > first.source
        and second_edge.target <> first.target
),

three_hops as (
    select
        paths_two.start,
        [paths_two.start, paths_two.second, paths_two.third] as groups,
        least(paths_two.bottleneck_usd_m, back.amount_usd_m) as bottleneck_usd_m
    from paths_two
    join edges as back on back.source = paths_two.third and back.target = paths_two.start
),

four_hops as (
    select
        paths_two.start,
        [paths_two.start, paths_two.second, paths_two.third, third_edge.target] as groups,
        least(paths_two.bottleneck_usd_m, third_edge.amount_usd_m, back.amount_usd_m)
            as bottleneck_usd_m
    from paths_two
    join edges as third_edge
        on third_edge.source = paths_two.third
        and third_edge.target > paths_two.start
        and third_edge.target <> paths_two.second
        and third_edge.target <> paths_two.third
    join edges as back on back.source = third_edge.target and back.target = paths_two.start
),

cycles as (
    select * from two_hops
    union all
    select * from three_hops
    union all
    select * from four_hops
),

final as (
    select
        md5(array_to_string(list_append(groups, start), ' > ')) as loop_id,
        array_to_string(list_append(groups, start), ' > ') as path,
        len(groups) as hop_count,
        bottleneck_usd_m
    from cycles
)

select * from final;

create or replace table marts.rejected_rows as
with

companies as (
    -- A valid company that the roll-up never reached: its parent chain is broken.
    select
        'companies.csv' as source_file,
        companies_read.source_line,
        companies_read.record,
        coalesce(companies_read.own_reason, 'parent chain does not reach a top-level company')
            as reason
    from companies_read
    left join company_groups on companies_read.company_id = company_groups.company_id
        and companies_read.own_reason is null
    where companies_read.own_reason is not null or company_groups.company_id is null
),

aliases as (
    select 'company_aliases.csv', source_line, record, reason
    from aliases_read
    where reason is not null
),

fx_rates as (
    select 'fx_rates.csv', source_line, record, reason
    from fx_read
    where reason is not null
),

flows as (
    select source_file, source_line, record, reason
    from flows_judged
    where reason is not null
),

final as (
    select * from companies
    union all
    select * from aliases
    union all
    select * from fx_rates
    union all
    select * from flows
)

select * from final;

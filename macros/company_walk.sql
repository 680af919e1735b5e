{#- Every company that leads to a top-level company through its parents, from `candidates`
    (one row per company_key, with company_id and parent_key): company_key, the parent's
    company_id, the group (the top-level company's id) and the depth below it. Companies
    whose chain loops or ends at an unknown parent are not in it. -#}
{% macro company_walk(candidates, candidate_ctes) -%}
    {{ return(adapter.dispatch('company_walk', 'circularity')(candidates, candidate_ctes)) }}
{%- endmacro %}

{#- DuckDB: a recursive walk down from the top-level companies. -#}
{% macro duckdb__company_walk(candidates, candidate_ctes) -%}
    with recursive walk (company_key, parent_company_id, group_id, depth) as (
        select
            company_key,
            cast(null as varchar),
            company_id,
            0
        from {{ candidates }}
        where parent_key is null
        union all
        select
            child.company_key,
            parent.company_id,
            walk.group_id,
            walk.depth + 1
        from walk
        inner join {{ candidates }} as parent on walk.company_key = parent.company_key
        inner join {{ candidates }} as child on walk.company_key = child.parent_key
    )

    select * from walk
{%- endmacro %}

{#- Spark: recursive CTEs stop at 100 levels and run one job a level, so each company's
    ancestor pointer is doubled instead (pointer jumping): after step k it skips 2^k
    levels. Each step is written to a table of the `spark_work` schema (a step read twice
    from a CTE would be computed again, doubling the plan at every step), and the steps
    stop when no pointer moves or when they span more levels than there are companies:
    about log2(n) steps for n companies, whatever the depth. `candidate_ctes` defines `candidates`. -#}
{% macro spark__company_walk(candidates, candidate_ctes, steps=64) -%}
    {%- set work = 'spark_work.' ~ this.identifier ~ '__walk_' -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists spark_work') -%}
        {%- do run_query('drop table if exists ' ~ work ~ '0') -%}
        {%- do run_query(
            'create table ' ~ work ~ '0 using parquet as with ' ~ candidate_ctes ~ '
            select
                child.company_key,
                parent.company_id as parent_company_id,
                case when child.parent_key is not null then parent.company_key end as ancestor_key,
                case when child.parent_key is null then child.company_id end as group_id,
                case when child.parent_key is null then 0 else 1 end as depth,
                child.parent_key is null as reached
            from ' ~ candidates ~ ' as child
            left join ' ~ candidates ~ ' as parent
                on child.parent_key = parent.company_key'
        ) -%}
        {%- set companies = run_query('select count(*) from ' ~ work ~ '0').columns[0].values()[0] -%}
        {%- set state = namespace(last=0) -%}
        {%- for step in range(1, steps + 1) -%}
            {%- if state.last == step - 1 -%}
                {%- set moving = run_query(
                    'select count(*) from ' ~ work ~ (step - 1)
                    ~ ' where not reached and ancestor_key is not null'
                ).columns[0].values()[0] -%}
                {#- After step k a pointer spans 2^k levels: once that covers every
                    company, what is not reached loops or ends at an unknown parent. -#}
                {%- if moving > 0 and 2 ** (step - 1) < companies -%}
                    {%- do run_query('drop table if exists ' ~ work ~ step) -%}
                    {%- do run_query(
                        'create table ' ~ work ~ step ~ ' using parquet as
                        select
                            node.company_key,
                            node.parent_company_id,
                            case when not node.reached and not ancestor.reached
                                then ancestor.ancestor_key end as ancestor_key,
                            case when node.reached then node.group_id else ancestor.group_id end
                                as group_id,
                            case when node.reached then node.depth else node.depth + ancestor.depth end
                                as depth,
                            node.reached or coalesce(ancestor.reached, false) as reached
                        from ' ~ work ~ (step - 1) ~ ' as node
                        left join ' ~ work ~ (step - 1) ~ ' as ancestor
                            on node.ancestor_key = ancestor.company_key'
                    ) -%}
                    {%- set state.last = step -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        select
            company_key,
            parent_company_id,
            group_id,
            depth
        from {{ work ~ state.last }}
        where reached
    {%- else -%}
        select
            cast(null as string) as company_key,
            cast(null as string) as parent_company_id,
            cast(null as string) as group_id,
            0 as depth
    {%- endif -%}
{%- endmacro %}

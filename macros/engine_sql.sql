{#- Engine differences, in one place. The models are written once; where DuckDB and Spark
    SQL differ (functions, arrays, types, joins), a model calls one of these macros, which
    dispatches to `duckdb__...` (the DuckDB build, kept exactly as it was) or `spark__...`.
    docs/scale-out.md lists what each one handles and why. -#}

{#- SQL run before each model on the model's own connection: on Spark, money stays exact
    (products of decimals keep their scale instead of being cut to 6), whatever the
    server's defaults; on DuckDB nothing (an empty hook is not run). -#}
{% macro engine_session_settings() -%}
    {{ return(adapter.dispatch('engine_session_settings', 'circularity')()) }}
{%- endmacro %}

{% macro default__engine_session_settings() -%}
{%- endmacro %}

{% macro spark__engine_session_settings() -%}
    set spark.sql.decimalOperations.allowPrecisionLoss=false
{%- endmacro %}

{#- Whether the whole of `value` matches the regular expression `pattern` (a trusted
    literal from a model). Spark: Java's `$` also matches before a final line break, so the
    end is `\z`. -#}
{% macro regexp_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'circularity')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_full_match(value, pattern) -%}
    ({{ value }} rlike '^(?:{{ pattern }})\\z')
{%- endmacro %}

{#- Text matching YYYY-MM-DD as a date, or null when it is no calendar date. -#}
{% macro try_iso_date(value) -%}
    {{ return(adapter.dispatch('try_iso_date', 'circularity')(value)) }}
{%- endmacro %}

{% macro duckdb__try_iso_date(value) -%}
    cast(try_strptime({{ value }}, '%Y-%m-%d') as date)
{%- endmacro %}

{% macro spark__try_iso_date(value) -%}
    try_cast({{ value }} as date)
{%- endmacro %}

{#- Whether a text starts with a trusted literal prefix. -#}
{% macro text_starts_with(value, prefix) -%}
    {{ return(adapter.dispatch('text_starts_with', 'circularity')(value, prefix)) }}
{%- endmacro %}

{% macro duckdb__text_starts_with(value, prefix) -%}
    starts_with({{ value }}, '{{ prefix }}')
{%- endmacro %}

{% macro spark__text_starts_with(value, prefix) -%}
    startswith({{ value }}, '{{ prefix }}')
{%- endmacro %}

{#- A text without the spaces (U+0020 only) around it. DuckDB's trim() with no characters
    also takes other white space away (a no-break space, U+3000), and a value padded with
    them must be judged as it is: `USD` followed by U+00A0 is no currency code. DuckDB's
    trim() with characters reads the whole text character by character; a field seldom
    has a space at either end, so it runs only on those that have one: trimming the fields
    of a 500,000-line file took 0.6 s of CPU, and takes 0.05 s. -#}
{% macro trim_spaces(value) -%}
    {{ return(adapter.dispatch('trim_spaces', 'circularity')(value)) }}
{%- endmacro %}

{% macro duckdb__trim_spaces(value) -%}
    case when prefix({{ value }}, ' ') or suffix({{ value }}, ' ') then trim({{ value }}, ' ') else {{ value }} end
{%- endmacro %}

{% macro spark__trim_spaces(value) -%}
    trim(both ' ' from {{ value }})
{%- endmacro %}

{#- A text without the leading characters in `characters` (a trusted literal). -#}
{% macro ltrim_characters(value, characters) -%}
    {{ return(adapter.dispatch('ltrim_characters', 'circularity')(value, characters)) }}
{%- endmacro %}

{% macro duckdb__ltrim_characters(value, characters) -%}
    ltrim({{ value }}, '{{ characters }}')
{%- endmacro %}

{% macro spark__ltrim_characters(value, characters) -%}
    trim(leading '{{ characters }}' from {{ value }})
{%- endmacro %}

{#- A tuple of columns as one value, for count(distinct ...) over several columns. -#}
{% macro row_value(columns) -%}
    {{ return(adapter.dispatch('row_value', 'circularity')(columns)) }}
{%- endmacro %}

{% macro duckdb__row_value(columns) -%}
    row({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_value(columns) -%}
    struct({{ columns | join(', ') }})
{%- endmacro %}

{#- Every match of a regular expression replaced (pattern and replacement: trusted
    literals, already quoted). -#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'circularity')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- The ratio of two decimal amounts as a DOUBLE (DuckDB divides decimals as doubles; Spark
    would keep a decimal whose scale depends on the operands). -#}
{% macro ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('ratio', 'circularity')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__ratio(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro spark__ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / cast({{ denominator }} as double)
{%- endmacro %}

{#- Arrays of text. DuckDB lists are 1-based and `len`; Spark arrays are 0-based by
    subscript, so elements are taken with the 1-based `try_element_at` (null when out of
    range, as DuckDB). -#}

{#- The distinct values of a group, sorted (code point order on both engines). -#}
{% macro sorted_distinct_list(column) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'circularity')(column)) }}
{%- endmacro %}

{% macro duckdb__sorted_distinct_list(column) -%}
    list_sort(list_distinct(list({{ column }})))
{%- endmacro %}

{% macro spark__sorted_distinct_list(column) -%}
    array_sort(collect_set({{ column }}))
{%- endmacro %}

{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length', 'circularity')(list)) }}
{%- endmacro %}

{% macro duckdb__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__list_length(list) -%}
    size({{ list }})
{%- endmacro %}

{#- Element `position` (1-based) of a list, or null past its end. -#}
{% macro list_element(list, position) -%}
    {{ return(adapter.dispatch('list_element', 'circularity')(list, position)) }}
{%- endmacro %}

{% macro duckdb__list_element(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_element(list, position) -%}
    try_element_at({{ list }}, {{ position }})
{%- endmacro %}

{% macro list_to_text(list, separator) -%}
    {{ return(adapter.dispatch('list_to_text', 'circularity')(list, separator)) }}
{%- endmacro %}

{% macro duckdb__list_to_text(list, separator) -%}
    array_to_string({{ list }}, '{{ separator }}')
{%- endmacro %}

{% macro spark__list_to_text(list, separator) -%}
    array_join({{ list }}, '{{ separator }}')
{%- endmacro %}

{% macro split_text(value, separator) -%}
    {{ return(adapter.dispatch('split_text', 'circularity')(value, separator)) }}
{%- endmacro %}

{% macro duckdb__split_text(value, separator) -%}
    string_split({{ value }}, '{{ separator }}')
{%- endmacro %}

{#- Spark's split takes a regular expression: the separator is quoted as a literal. -#}
{% macro spark__split_text(value, separator) -%}
    split({{ value }}, '\\Q{{ separator }}\\E')
{%- endmacro %}

{% macro list_distinct_count(list) -%}
    {{ return(adapter.dispatch('list_distinct_count', 'circularity')(list)) }}
{%- endmacro %}

{% macro duckdb__list_distinct_count(list) -%}
    len(list_distinct({{ list }}))
{%- endmacro %}

{% macro spark__list_distinct_count(list) -%}
    size(array_distinct({{ list }}))
{%- endmacro %}

{% macro list_smallest(list) -%}
    {{ return(adapter.dispatch('list_smallest', 'circularity')(list)) }}
{%- endmacro %}

{% macro duckdb__list_smallest(list) -%}
    list_min({{ list }})
{%- endmacro %}

{% macro spark__list_smallest(list) -%}
    array_min({{ list }})
{%- endmacro %}

{#- A list of the given columns. -#}
{% macro make_list(columns) -%}
    {{ return(adapter.dispatch('make_list', 'circularity')(columns)) }}
{%- endmacro %}

{% macro duckdb__make_list(columns) -%}
    [{{ columns | join(', ') }}]
{%- endmacro %}

{% macro spark__make_list(columns) -%}
    array({{ columns | join(', ') }})
{%- endmacro %}

{#- A list with one more element at its end. -#}
{% macro list_append(list, element) -%}
    {{ return(adapter.dispatch('list_append', 'circularity')(list, element)) }}
{%- endmacro %}

{% macro duckdb__list_append(list, element) -%}
    list_append({{ list }}, {{ element }})
{%- endmacro %}

{% macro spark__list_append(list, element) -%}
    concat({{ list }}, array({{ element }}))
{%- endmacro %}

{% macro list_last(list) -%}
    {{ return(adapter.dispatch('list_last', 'circularity')(list)) }}
{%- endmacro %}

{% macro duckdb__list_last(list) -%}
    {{ list }}[-1]
{%- endmacro %}

{% macro spark__list_last(list) -%}
    try_element_at({{ list }}, -1)
{%- endmacro %}

{#- The first `count` elements of a list. -#}
{% macro list_head(list, count) -%}
    {{ return(adapter.dispatch('list_head', 'circularity')(list, count)) }}
{%- endmacro %}

{% macro duckdb__list_head(list, count) -%}
    {{ list }}[1:{{ count }}]
{%- endmacro %}

{% macro spark__list_head(list, count) -%}
    slice({{ list }}, 1, {{ count }})
{%- endmacro %}

{#- Each loop's hops: `path`, `from_group_id`, `to_group_id` for hop 1 to `count` of the
    relation's `group_ids`. -#}
{% macro list_positions(relation, count) -%}
    {{ return(adapter.dispatch('list_positions', 'circularity')(relation, count)) }}
{%- endmacro %}

{% macro duckdb__list_positions(relation, count) -%}
    select
        {{ relation }}.path,
        {{ relation }}.group_ids[positions.hop_number] as from_group_id,
        {{ relation }}.group_ids[positions.hop_number + 1] as to_group_id
    from {{ relation }}
    cross join range(1, {{ relation }}.{{ count }} + 1) as positions (hop_number)
{%- endmacro %}

{% macro spark__list_positions(relation, count) -%}
    select
        {{ relation }}.path,
        try_element_at({{ relation }}.group_ids, positions.hop_number) as from_group_id,
        try_element_at({{ relation }}.group_ids, positions.hop_number + 1) as to_group_id
    from {{ relation }}
    lateral view explode(sequence(1, {{ relation }}.{{ count }})) positions as hop_number
{%- endmacro %}

{#- The `count` largest counted flows of each edge (kind, from group, to group): by amount,
    undisclosed amounts last, then the earlier day, then the smaller id. Columns flow_kind,
    flow_id and rank_in_edge (1 for the largest). -#}
{% macro largest_flows_per_edge(counted, count) -%}
    {{ return(adapter.dispatch('largest_flows_per_edge', 'circularity')(counted, count)) }}
{%- endmacro %}

{#- One aggregate pass keeps each edge's few smallest ranking keys, instead of sorting every
    row of every edge for a window (twice as fast at 10M flows). -#}
{% macro duckdb__largest_flows_per_edge(counted, count) -%}
    {%- set ranking_key -%}
        {'no_amount': amount_usd_m is null, 'amount': -amount_usd_m, 'day': announced_date, 'id': flow_id}
    {%- endset -%}
    select
        flow_kind,
        unnest(min_by(flow_id, {{ ranking_key }}, {{ count }})) as flow_id,
        generate_subscripts(min_by(flow_id, {{ ranking_key }}, {{ count }}), 1) as rank_in_edge
    from {{ counted }}
    group by flow_kind, from_group_id, to_group_id
{%- endmacro %}

{% macro default__largest_flows_per_edge(counted, count) -%}
    select
        flow_kind,
        flow_id,
        rank_in_edge
    from (
        select
            flow_kind,
            flow_id,
            row_number() over (
                partition by flow_kind, from_group_id, to_group_id
                order by amount_usd_m desc nulls last, announced_date asc, flow_id asc
            ) as rank_in_edge
        from {{ counted }}
    ) as ranked
    where rank_in_edge <= {{ count }}
{%- endmacro %}

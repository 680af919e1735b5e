{#- Splitting CSV lines in SQL.

    The sources read every physical line of a file as one text value, numbered by DuckDB
    (`with ordinality`), so a malformed line can never stop the load or disappear: it is
    split here, and a line whose fields cannot be split is rejected with its line number.
    A line with no double quote is split on commas; a quoted line goes through a regular
    expression that matches a comma and then one field, quoted ("" escapes a quote) or
    plain. Gluing the matched fields back together must give the line again, otherwise the
    quoting is malformed and the line gets no fields (null). -#}

{% macro csv_field_pattern() -%}
    ',("(?:[^"]|"")*"|[^,"]*)'
{%- endmacro %}

{% macro split_csv_line(line) -%}
    case
        when {{ line }} is null then null
        when not contains({{ line }}, '"') then string_split({{ line }}, ',')
        when array_to_string(regexp_extract_all(',' || {{ line }}, {{ csv_field_pattern() }}, 1), ',') = {{ line }}
            then list_transform(
                regexp_extract_all(',' || {{ line }}, {{ csv_field_pattern() }}, 1),
                lambda field: case
                    when starts_with(field, '"') then replace(field[2:-2], '""', '"')
                    else field
                end
            )
    end
{%- endmacro %}

{#- CTEs `csv_header` and `csv_rows` over a csv source: one row per non-blank data line with
    source_line (header = 1), record (the raw line), field_count, expected_field_count,
    split_error, and one trimmed text column per name in `columns` (null when blank or when
    the header lacks it). Columns are found by header name, so their order is free. -#}
{% macro csv_rows_ctes(source_relation, columns) -%}
csv_lines as (
    select
        ordinality as source_line,
        line as record
    from {{ source_relation }}
),

csv_header_names as (
    select list_transform({{ split_csv_line('record') }}, lambda name: lower(trim(name))) as header_names
    from csv_lines
    where source_line = 1
),

-- Where each column sits, found once from the header rather than once per row.
csv_header as (
    select
        len(header_names) as expected_field_count,
        {%- for column in columns %}
        list_position(header_names, '{{ column }}') as position_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from csv_header_names
),

csv_split as (
    select
        csv_lines.source_line,
        csv_lines.record,
        {{ split_csv_line('csv_lines.record') }} as fields,
        csv_header.*
    from csv_lines
    cross join csv_header
    where csv_lines.source_line > 1
      and trim(coalesce(csv_lines.record, '')) <> ''
),

csv_rows as (
    select
        source_line,
        record,
        len(fields) as field_count,
        expected_field_count,
        case
            when fields is null then 'malformed quoting: a quoted field is not closed or has text after its closing quote'
            when len(fields) <> expected_field_count
                then 'wrong number of fields: expected ' || expected_field_count || ', found ' || len(fields)
        end as split_error,
        {%- for column in columns %}
        case
            when len(fields) = expected_field_count
                then nullif(trim(fields[position_{{ column }}]), '')
        end as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from csv_split
)
{%- endmacro %}

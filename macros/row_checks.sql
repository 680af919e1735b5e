{#- Small predicates shared by the staging models, so every file judges a value alike. -#}

{#- A strict YYYY-MM-DD calendar date from 0001-01-01 to 9999-12-31, or null. -#}
{% macro parse_iso_date(value) -%}
    case
        when {{ regexp_full_match(value, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            and not {{ text_starts_with(value, '0000') }}
            then {{ try_iso_date(value) }}
    end
{%- endmacro %}

{#- Whether a text is a plain decimal number: ASCII digits, an optional sign and fraction
    (`+5`, `.5`, `5.` and `-0` are numbers; exponents, separators and spaces are not). -#}
{% macro is_plain_number(value) -%}
    {{ regexp_full_match(value, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)') }}
{%- endmacro %}

{#- A plain decimal number read to `scale` decimals, or null when it is not one or has
    more integer digits than DECIMAL(38, scale) holds, or than `integer_digits` (amounts
    that large are judged too large). Decimals beyond `scale` are dropped, not rounded: an
    amount cut at 12 decimals and then rounded half-up to the cent gives the cent of its
    exact value, where rounding twice would not (0.00499999999999999 is 0.00, not 0.01).
    A text no longer than the digits allowed cannot have too many, so the integer digits
    are counted only in longer ones (counting took half of the parse's CPU). -#}
{% macro parse_decimal(value, scale=12, integer_digits=none) -%}
    {%- set most_digits = integer_digits or 38 - scale -%}
    case
        when {{ is_plain_number(value) }}
            and (
                length({{ value }}) <= {{ most_digits }}
                or length({{ ltrim_characters("split_part(" ~ ltrim_characters(value, '+-') ~ ", '.', 1)", '0') }}) <= {{ most_digits }}
            )
            then cast(
                case
                    when instr({{ value }}, '.') > 0
                        then left({{ value }}, instr({{ value }}, '.') + {{ scale }})
                    else {{ value }}
                end
                as decimal(38, {{ scale }})
            )
    end
{%- endmacro %}

{#- ' (to N decimals)' when parse_decimal read a number that is not zero as 0, because its
    digits lie beyond `scale` decimals; else ''. For reasons that say a value is not
    positive. -#}
{% macro cut_to_zero_note(text, parsed, scale) -%}
    case
        when {{ parsed }} = 0 and translate({{ text }}, '0.+-', '') <> ''
            then ' (to {{ scale }} decimals)'
        else ''
    end
{%- endmacro %}

{#- The approximate value of a plain decimal number of any size, or null. -#}
{% macro parse_approximate(value) -%}
    case when {{ is_plain_number(value) }} then cast({{ value }} as double) end
{%- endmacro %}

{#- The first non-null of a list of reason expressions: a row reports its first problem. -#}
{% macro first_reason(reasons) -%}
    coalesce(
        {%- for reason in reasons %}
        {{ reason }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- 'missing required field: a, b' for the blank ones among `columns`, else null. -#}
{% macro missing_fields_reason(columns) -%}
    nullif(
        'missing required field: ' || concat_ws(', '
        {%- for column in columns %},
            case when {{ column }} is null then '{{ column }}' end
        {%- endfor %}
        ),
        'missing required field: '
    )
{%- endmacro %}

{#- A SQL string literal of a trusted reference value (a dbt var): quotes doubled. -#}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- "a, b or c", for reasons that list the allowed values. -#}
{% macro one_of(values) -%}
    {{ values[:-1] | join(', ') }} or {{ values[-1] }}
{%- endmacro %}

{#- 'unknown <label> 'x': use a, b or c' when `column` is not one of `values`. -#}
{% macro unknown_value_reason(column, values, label) -%}
    case
        when {{ column }} not in (
            {%- for value in values %}{{ sql_string(value) }}{{ ", " if not loop.last }}{% endfor -%}
        )
            then 'unknown {{ label }} ''' || {{ column }} || ''': use {{ one_of(values) }}'
    end
{%- endmacro %}

{% macro not_a_number_reason(amount_text, amount) -%}
    case
        when {{ amount_text }} is not null and {{ amount }} is null
            then 'amount_millions ''' || {{ amount_text }}
                || ''' is not a number: write a plain number of millions, like 1250 or 0.5'
    end
{%- endmacro %}

{% macro negative_amount_reason(amount_text, amount) -%}
    case
        when {{ amount }} < 0
            then 'amount_millions ''' || {{ amount_text }} || ''' is negative: amounts are never negative'
    end
{%- endmacro %}

{% macro undisclosed_reason(amount_text, qualifier) -%}
    case
        when {{ qualifier }} = 'undisclosed' and {{ amount_text }} is not null
            then 'amount_millions given with qualifier undisclosed: blank the amount or change the qualifier'
        when {{ qualifier }} <> 'undisclosed' and {{ amount_text }} is null
            then 'amount_millions is blank: give the amount or use qualifier undisclosed'
    end
{%- endmacro %}

{#- Reasons about an amount and its qualifier, in the order they are reported. Deals and
    pledges share them: `*_usd_m` totals depend on these rules being one rule. -#}
{% macro amount_reasons(amount_text, amount, qualifier) -%}
    {{ return([
        not_a_number_reason(amount_text, amount),
        negative_amount_reason(amount_text, amount),
        unknown_value_reason(qualifier, var('amount_qualifiers'), 'amount_qualifier'),
        undisclosed_reason(amount_text, qualifier),
    ]) }}
{%- endmacro %}

{#- An ISO 4217 code: three capital letters. -#}
{% macro currency_reason(currency) -%}
    case
        when not {{ regexp_full_match(currency, '[A-Z]{3}') }}
            then 'currency ''' || {{ currency }} || ''' is not an ISO 4217 code like USD or EUR'
    end
{%- endmacro %}

{#- The date checks every dated file shares: blank, or not a calendar date. `parsed` is the
    column already holding parse_iso_date(date_text), so no row is parsed twice. -#}
{% macro date_reason(date_text, parsed, column_name) -%}
    case
        when {{ date_text }} is null then 'missing required field: {{ column_name }}'
        when {{ parsed }} is null
            then '{{ column_name }} ''' || {{ date_text }} || ''' is not a date: write YYYY-MM-DD'
    end
{%- endmacro %}

{#- `numerator / denominator` rounded half-up to 0.01, exactly, for a non-negative amount
    (scale 2) and a positive denominator (taken at scale 6). DuckDB divides decimals as
    DOUBLE, which can land a cent off; this divides whole numbers of cents instead:
    floor((2 * cents * 10^6 + d) / (2 * d)) with d the denominator in millionths. The cents
    become an amount by multiplying by 0.01: dividing them by 100 would go through DOUBLE
    again, whose 15 to 17 significant digits lose the cents of results from about 10^14. -#}
{% macro divide_half_up(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide_half_up', 'circularity')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__divide_half_up(numerator, denominator) -%}
    case
        when {{ numerator }} is not null and {{ denominator }} > 0
            then (
                (
                    2 * ({{ numerator }} * 100)::hugeint * 1000000
                    + ({{ denominator }}::decimal(38, 6) * 1000000)::hugeint
                ) // (2 * ({{ denominator }}::decimal(38, 6) * 1000000)::hugeint)
            )::decimal(38, 0) * 0.01
    end::decimal(38, 2)
{%- endmacro %}

{#- Spark has no 128-bit integer and its decimal division picks a scale that cannot hold
    these quotients, so floor(n / d) of the same whole numbers is found exactly without
    dividing decimals: a DOUBLE estimate q0, one exact correction from the remainder
    (n - q0 * d, computed in DECIMAL(38, 0)) rounded to the nearest whole number, then a
    final exact step back when the remainder is negative. -#}
{% macro spark__divide_half_up(numerator, denominator) -%}
    {%- set d = "cast(cast(" ~ denominator ~ " as decimal(38, 6)) * 1000000 as decimal(38, 0))" -%}
    {%- set n = "(2 * cast(" ~ numerator ~ " * 100 as decimal(38, 0)) * 1000000 + " ~ d ~ ")" -%}
    {%- set d2 = "(2 * " ~ d ~ ")" -%}
    {%- set q0 = "cast(cast(" ~ n ~ " as double) / cast(" ~ d2 ~ " as double) as decimal(38, 0))" -%}
    {%- set q1 = "(" ~ q0 ~ " + cast(round(cast(" ~ n ~ " - " ~ q0 ~ " * " ~ d2 ~ " as double) / cast(" ~ d2 ~ " as double)) as decimal(38, 0)))" -%}
    cast(
        case
            when {{ numerator }} is not null and {{ denominator }} > 0
                then cast(
                    {{ q1 }} - case when {{ n }} - {{ q1 }} * {{ d2 }} < 0 then 1 else 0 end
                    as decimal(38, 0)
                ) * 0.01
        end
        as decimal(38, 2)
    )
{%- endmacro %}

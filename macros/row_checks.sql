{#- Small predicates shared by the staging models, so every file judges a value alike. -#}

{#- A strict YYYY-MM-DD calendar date, or null. -#}
{% macro parse_iso_date(value) -%}
    case
        when regexp_full_match({{ value }}, '\d{4}-\d{2}-\d{2}')
            then cast(try_strptime({{ value }}, '%Y-%m-%d') as date)
    end
{%- endmacro %}

{#- A plain decimal number (digits, optional sign and fraction), or null. -#}
{% macro parse_decimal(value, scale=6) -%}
    case
        when regexp_full_match({{ value }}, '[+-]?(\d+\.?\d*|\.\d+)')
            then try_cast({{ value }} as decimal(38, {{ scale }}))
    end
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

{#- Reasons about an amount and its qualifier, in the order they are reported. Deals and
    pledges share them: `*_usd_m` totals depend on these rules being one rule. -#}
{% macro amount_reasons(amount_text, amount, qualifier) -%}
    {{ return([
        "case when " ~ amount_text ~ " is not null and " ~ amount ~ " is null then 'amount_millions ''' || " ~ amount_text ~ " || ''' is not a number: write a plain number of millions, like 1250 or 0.5' end",
        "case when " ~ amount ~ " < 0 then 'amount_millions ' || " ~ amount_text ~ " || ' is negative: amounts are never negative' end",
        "case when " ~ qualifier ~ " not in ('exact', 'approx', 'up_to', 'at_least', 'undisclosed') then 'unknown amount_qualifier ''' || " ~ qualifier ~ " || ''': use exact, approx, up_to, at_least or undisclosed' end",
        "case when " ~ qualifier ~ " = 'undisclosed' and " ~ amount_text ~ " is not null then 'amount_millions given with qualifier undisclosed: blank the amount or change the qualifier' end",
        "case when " ~ qualifier ~ " <> 'undisclosed' and " ~ amount_text ~ " is null then 'amount_millions is blank: give the amount or use qualifier undisclosed' end",
    ]) }}
{%- endmacro %}

{#- An ISO 4217 code: three capital letters. -#}
{% macro currency_reason(currency) -%}
    case
        when not regexp_full_match({{ currency }}, '[A-Z]{3}')
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

{#- A reason quotes the values it judged ('USD' is not a currency code): a value padded
    with a character that does not show on screen, or shows as a plain space, would read as
    valid. Each such character is written as its code instead, as the messages on the
    header write them (circularity.inputs.shown_text): 'USD<U+00A0>'. The characters that
    spreadsheets, web pages and word processors put in text: tab, the no-break, narrow,
    figure, thin, hair, en, em and ideographic spaces, the zero-width space, joiners and
    word joiner, the direction marks, the soft hyphen, the next-line, line and paragraph
    separators, and the byte order mark. (The other control characters never reach a reason: the
    reader rejects their records.) -#}
{% macro shown_invisible(text) -%}
    {%- set invisible = [
        ("\u0009", "0009"), ("\u0085", "0085"), ("\u00a0", "00A0"), ("\u00ad", "00AD"),
        ("\u2002", "2002"), ("\u2003", "2003"), ("\u2007", "2007"), ("\u2009", "2009"),
        ("\u200a", "200A"), ("\u200b", "200B"), ("\u200c", "200C"), ("\u200d", "200D"),
        ("\u200e", "200E"), ("\u200f", "200F"), ("\u2028", "2028"), ("\u2029", "2029"),
        ("\u202f", "202F"), ("\u2060", "2060"), ("\u3000", "3000"), ("\ufeff", "FEFF"),
    ] -%}
    {%- set shown = namespace(sql=text) -%}
    {%- for character, code in invisible -%}
        {%- set shown.sql = "replace(" ~ shown.sql ~ ", '" ~ character ~ "', '<U+" ~ code ~ ">')" -%}
    {%- endfor -%}
    {{ shown.sql }}
{%- endmacro %}

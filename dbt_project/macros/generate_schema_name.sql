{#- Custom schemas are used as they are (analytics, staging, ...), not prefixed with the
    target schema, so the marts live in `analytics` as the product promises; a target
    schema other than `analytics` (tests, CI) prefixes all of them instead. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set base = target.schema -%}
    {%- set layer = custom_schema_name or "marts" -%}
    {%- if layer == "marts" -%}
        {{ base }}
    {%- else -%}
        {{ base }}_{{ layer }}
    {%- endif -%}
{%- endmacro %}

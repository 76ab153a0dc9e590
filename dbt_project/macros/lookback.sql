{#- Rows whose raw load time is within the lookback window of the newest row already built:
    late loads and re-loads are picked up again; merging them is idempotent. -#}
{% macro loaded_since_last_build(column="loaded_at") -%}
    {{ column }} > (
        select coalesce(max(this_model.{{ column }}), '-infinity'::timestamptz)
            - interval '{{ var("lookback_hours") }} hours'
        from {{ this }} as this_model
    )
{%- endmacro %}

{#- Fault-injection hook for the resilience tests, inert unless ELT_FAULT_AT=dbt:<model>.
    Then, as a post-hook, it parks the build after the model's statements and before their
    commit, where the test finds it in pg_stat_activity and kills dbt (extract/faults.py). -#}
{% macro fault_point(model_name) -%}
    {%- if env_var("ELT_FAULT_AT", "") == "dbt:" ~ model_name -%}
        select pg_sleep(3600) /* elt fault point: {{ model_name }} */
    {%- endif -%}
{%- endmacro %}

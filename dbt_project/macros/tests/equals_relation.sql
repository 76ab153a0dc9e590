{#- Generic test: the model holds exactly the rows of `compare_to` (both directions,
    duplicates counted). Used to prove an incremental mart equals its full rebuild. -#}
{% test equals_relation(model, compare_to, exclude_columns=[]) %}
    {%- set excluded = exclude_columns | map("lower") | list -%}
    {%- set columns = adapter.get_columns_in_relation(model)
        | map(attribute="name") | reject("in", excluded) | list -%}
    {%- set column_list = columns | join(", ") -%}

    with model_rows as (
        select {{ column_list }}, count(*) as copies
        from {{ model }}
        group by {{ column_list }}
    ),

    compare_rows as (
        select {{ column_list }}, count(*) as copies
        from {{ compare_to }}
        group by {{ column_list }}
    ),

    only_in_model as (
        select * from model_rows
        except
        select * from compare_rows
    ),

    only_in_compare as (
        select * from compare_rows
        except
        select * from model_rows
    )

    select 'only in model' as side, * from only_in_model
    union all
    select 'only in rebuild' as side, * from only_in_compare
{% endtest %}

with

{% for network in var("networks") %}
    {{ network }}_followers as (
        select * from {{ ref("stg_" ~ network ~ "__followers") }}
    ),
{% endfor %}

unioned as (
    {% for network in var("networks") %}
        select
            network,
            account_id,
            follower_id,
            first_seen_at,
            last_seen_at,
            ended_at,
            is_active,
            loaded_at
        from {{ network }}_followers
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ surrogate_key(["network", "account_id", "follower_id"]) }} as follow_key,
        {{ surrogate_key(["network", "account_id"]) }} as account_key,
        {{ surrogate_key(["network", "follower_id"]) }} as follower_key,
        network,
        account_id,
        follower_id,
        first_seen_at as followed_at,
        ended_at as unfollowed_at,
        is_active,
        loaded_at
    from unioned
)

select * from final

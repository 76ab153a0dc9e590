{#- Accounts of every network in one shape; a network adds one staging model to `networks`. -#}
with

{% for network in var("networks") %}
    {{ network }}_users as (
        select * from {{ ref("stg_" ~ network ~ "__users") }}
    ),
{% endfor %}

tracked as (
    select
        network,
        account,
        min(started_at) as tracked_since
    from {{ source("ops", "sync_jobs") }}
    where resource = 'profiles'
    group by network, account
),

unioned as (
    {% for network in var("networks") %}
        select
            network,
            user_id as account_id,
            username,
            display_name,
            description,
            location,
            created_at,
            is_protected,
            is_verified,
            followers_count,
            following_count,
            post_count,
            changed_at,
            first_seen_at,
            loaded_at
        from {{ network }}_users
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ surrogate_key(["unioned.network", "unioned.account_id"]) }} as account_key,
        unioned.network,
        unioned.account_id,
        unioned.username,
        unioned.display_name,
        unioned.description,
        unioned.location,
        unioned.created_at,
        unioned.is_protected,
        unioned.is_verified,
        tracked.account is not null as is_tracked,
        unioned.followers_count,
        unioned.following_count,
        unioned.post_count,
        unioned.changed_at,
        unioned.first_seen_at,
        -- becoming tracked changes the row even when the profile itself did not change
        greatest(unioned.loaded_at, tracked.tracked_since) as loaded_at
    from unioned
    left join tracked
        on
            unioned.network = tracked.network
            and unioned.account_id = tracked.account
)

select * from final

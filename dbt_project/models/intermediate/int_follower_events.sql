{#- Follow and unfollow events derived from edges: a follow when an edge is first seen, an
    unfollow when a complete scan ends it. Incremental by edge: when an edge changes, its
    events are deleted and re-derived (delete+insert on follow_key), so a re-follow that
    clears an unfollow leaves no stale event behind. -#}
{{
    config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="follow_key",
        on_schema_change="append_new_columns",
        indexes=[
            {"columns": ["follow_key"]},
            {"columns": ["account_key", "event_at"]},
            {"columns": ["loaded_at"]},
        ],
    )
}}

with

follows as (
    select * from {{ ref("int_follows_unioned") }}
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
),

follow_events as (
    select
        follow_key,
        account_key,
        follower_key,
        network,
        'follow' as event_type,
        followed_at as event_at,
        loaded_at
    from follows
),

unfollow_events as (
    select
        follow_key,
        account_key,
        follower_key,
        network,
        'unfollow' as event_type,
        unfollowed_at as event_at,
        loaded_at
    from follows
    where unfollowed_at is not null
),

final as (
    select
        {{ surrogate_key(["follow_key", "event_type"]) }} as event_key,
        *
    from follow_events
    union all
    select
        {{ surrogate_key(["follow_key", "event_type"]) }} as event_key,
        *
    from unfollow_events
)

select * from final

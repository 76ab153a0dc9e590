{{
    config(
        unique_key="follow_key",
        indexes=[
            {"columns": ["follow_key"], "unique": True},
            {"columns": ["account_key", "is_active"]},
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

final as (
    select
        follow_key,
        account_key,
        follower_key,
        network,
        account_id,
        follower_id,
        followed_at,
        unfollowed_at,
        is_active,
        loaded_at
    from follows
)

select * from final

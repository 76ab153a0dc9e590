{{
    config(
        unique_key="account_key",
        indexes=[{"columns": ["account_key"], "unique": True}, {"columns": ["loaded_at"]}],
    )
}}

with

accounts as (
    select * from {{ ref("int_accounts_unioned") }}
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
),

final as (
    select
        account_key,
        network,
        account_id,
        username,
        display_name,
        description,
        location,
        created_at,
        is_protected,
        is_verified,
        is_tracked,
        followers_count,
        following_count,
        post_count,
        first_seen_at,
        changed_at as profile_changed_at,
        loaded_at
    from accounts
)

select * from final

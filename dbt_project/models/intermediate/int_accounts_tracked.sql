{#- The accounts the product syncs (not every follower): what the profile snapshot tracks. -#}
with

accounts as (
    select * from {{ ref("int_accounts_unioned") }}
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
        is_protected,
        is_verified,
        followers_count,
        following_count,
        post_count
    from accounts
    where is_tracked
)

select * from final

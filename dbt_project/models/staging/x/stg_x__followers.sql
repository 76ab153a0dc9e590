with

source as (
    select * from {{ source('x', 'followers') }}
),

renamed as (
    select
        network,
        account_id,
        follower_id,
        first_seen_at,
        last_seen_at,
        ended_at,
        ended_at is null as is_active,
        loaded_at
    from source
)

select * from renamed

{#- fct_account_daily computed from the whole history: what a full refresh of the mart must
    equal (tested by equals_relation). -#}
with

activity as (
    select * from {{ ref("int_account_activity_daily") }}
),

final as (
    select
        {{ surrogate_key(["account_key", "activity_date"]) }} as account_day_key,
        account_key,
        network,
        activity_date,
        (sum(followers_gained - followers_lost) over (
            partition by account_key order by activity_date
            rows between unbounded preceding and current row
        ))::bigint as followers_count,
        followers_gained,
        followers_lost,
        posts,
        interactions,
        avg_engagement_rate,
        loaded_at
    from activity
)

select * from final

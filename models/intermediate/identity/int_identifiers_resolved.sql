-- Every identifier with its cluster and, when the cluster is a known person, its customer.
-- A cluster is a customer when it holds at least one usable person identifier (e-mail,
-- phone, card, member id, CRM id or web account; not blocked, not shared). Anonymous
-- cookies, anonymous receipts and shared values stay without a customer.
-- The customer key is the hash of the cluster's earliest-seen identifier: identifiers
-- arriving later never change it, and when two customers merge the older key survives.
with

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

flags as (

    select * from {{ ref('int_identifiers_flagged') }}

),

clustered as (

    select
        identifiers.identifier_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        clusters.cluster_id,
        flags.flag_reason,
        coalesce(flags.is_blocked, false) as is_blocked,
        coalesce(flags.is_shared, false) as is_shared,
        identifiers.identifier_type in (
            'email', 'phone', 'card', 'member_id', 'crm_id', 'web_account'
        )
        and flags.identifier_id is null as is_person_identifier
    from identifiers
    inner join clusters on identifiers.identifier_id = clusters.identifier_id
    left join flags on identifiers.identifier_id = flags.identifier_id

),

person_clusters as (

    select cluster_id
    from clustered
    group by cluster_id
    having sum(case when is_person_identifier then 1 else 0 end) > 0

),

earliest as (

    select
        clustered.cluster_id,
        clustered.identifier_id,
        row_number() over (
            partition by clustered.cluster_id
            order by clustered.first_seen_at, clustered.identifier_id
        ) as seen_rank
    from clustered
    inner join person_clusters on clustered.cluster_id = person_clusters.cluster_id

),

customer_keys as (

    select
        cluster_id,
        {{ hash_identifier('identifier_id') }} as customer_key
    from earliest
    where seen_rank = 1

)

select
    clustered.identifier_id,
    clustered.identifier_type,
    clustered.identifier_value,
    {{ hash_identifier('clustered.identifier_id') }} as identifier_hash,
    clustered.first_seen_at,
    clustered.last_seen_at,
    clustered.cluster_id,
    customer_keys.customer_key,
    clustered.is_blocked,
    clustered.is_shared,
    clustered.flag_reason
from clustered
left join customer_keys on clustered.cluster_id = customer_keys.cluster_id

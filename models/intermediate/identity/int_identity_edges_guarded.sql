-- The identity graph's edges after the guards, with the reason for every edge dropped:
--   blocked  - an end is a placeholder or test value (seed identity_blocklist)
--   shared   - an end has more neighbours of a type than a person can have (seed
--              identity_cardinality_caps): a family tablet, a household address; nothing
--              is merged through it, so all its edges go
--   split    - an analyst said these two are different people (seed identity_overrides)
-- Forced merges (identity_overrides, action merge) are added as edges.
with

links as (

    select * from {{ ref('int_identity_links_unioned') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

overrides as (

    select * from {{ ref('identity_overrides') }}

),

hashed as (

    select
        identifier_id,
        identifier_type,
        {{ hash_identifier('identifier_id') }} as identifier_hash
    from identifiers

),

flags as (

    select * from {{ ref('int_identifiers_flagged') }}

),

forced_splits as (

    select
        hash_a.identifier_id as identifier_id_a,
        hash_b.identifier_id as identifier_id_b,
        'split: ' || overrides.reason as reason
    from overrides
    inner join hashed as hash_a on overrides.identifier_hash_a = hash_a.identifier_hash
    inner join hashed as hash_b on overrides.identifier_hash_b = hash_b.identifier_hash
    where overrides.action = 'split'

),

forced_merges as (

    select
        {{ surrogate_key(['hash_a.identifier_id', 'hash_b.identifier_id']) }} as link_id,
        hash_a.identifier_id as identifier_id_a,
        hash_b.identifier_id as identifier_id_b,
        hash_a.identifier_type as type_a,
        hash_b.identifier_type as type_b,
        'override' as link_source,
        'merge: ' || overrides.reason as link_kind,
        cast(null as {{ dbt.type_string() }}) as example_record,
        0 as records,
        cast(null as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(null as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(null as {{ dbt.type_string() }}) as dropped_reason
    from overrides
    inner join hashed as hash_a on overrides.identifier_hash_a = hash_a.identifier_hash
    inner join hashed as hash_b on overrides.identifier_hash_b = hash_b.identifier_hash
    where overrides.action = 'merge'

),

checked as (

    select
        links.link_id,
        links.identifier_id_a,
        links.identifier_id_b,
        links.type_a,
        links.type_b,
        links.link_source,
        links.link_kind,
        links.example_record,
        links.records,
        links.first_seen_at,
        links.last_seen_at,
        coalesce(
            flags_a.flag_reason,
            flags_b.flag_reason,
            forced_splits.reason,
            forced_splits_reversed.reason
        ) as dropped_reason
    from links
    left join flags as flags_a on links.identifier_id_a = flags_a.identifier_id
    left join flags as flags_b on links.identifier_id_b = flags_b.identifier_id
    left join forced_splits
        on
            links.identifier_id_a = forced_splits.identifier_id_a
            and links.identifier_id_b = forced_splits.identifier_id_b
    left join forced_splits as forced_splits_reversed
        on
            links.identifier_id_a = forced_splits_reversed.identifier_id_b
            and links.identifier_id_b = forced_splits_reversed.identifier_id_a

)

select * from checked
union all
select * from forced_merges

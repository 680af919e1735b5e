-- Every deal row in the build, with its companies and groups resolved, its amount in USD
-- and its verdict: rejection_reason is null for an accepted row.
{{ resolve_flows('stg_csv__deals', {
    'id': 'deal_id',
    'from_name': 'investor_name',
    'to_name': 'investee_name',
    'from_id': 'investor_id',
    'to_id': 'investee_id',
    'supersedes': 'supersedes_deal_id',
    'details': ['instrument'],
}) }}

-- Every pledge row in the build, with its companies and groups resolved, its amount in USD
-- and its verdict: rejection_reason is null for an accepted row.
{{ resolve_flows('stg_csv__pledges', {
    'id': 'pledge_id',
    'from_name': 'pledger_name',
    'to_name': 'recipient_name',
    'from_id': 'pledger_id',
    'to_id': 'recipient_id',
    'supersedes': 'supersedes_pledge_id',
    'details': ['period_years', 'category'],
}) }}

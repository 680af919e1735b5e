-- reciprocal_ratio is pledged_back_usd_m / invested_usd_m, and null exactly when nothing was
-- invested.
select
    investor_group_id,
    investee_group_id,
    invested_usd_m,
    pledged_back_usd_m,
    reciprocal_ratio
from {{ ref('reciprocal_spend') }}
where (invested_usd_m = 0) <> (reciprocal_ratio is null)
    or abs(reciprocal_ratio - {{ ratio('pledged_back_usd_m', 'nullif(invested_usd_m, 0)') }}) > 1e-9

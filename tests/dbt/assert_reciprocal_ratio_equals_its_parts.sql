-- reciprocal_ratio is pledged_back_usd_m / invested_usd_m, and null exactly when nothing was
-- invested.
select *
from {{ ref('reciprocal_spend') }}
where (invested_usd_m = 0) <> (reciprocal_ratio is null)
    or abs(reciprocal_ratio - pledged_back_usd_m / nullif(invested_usd_m, 0)) > 1e-9

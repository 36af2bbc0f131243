"""Write-audit-publish: the gate on dbt results, the PII guard and the atomic serving file."""

"""The dashboard's figures, as plain functions of the ledger, one module per subject. Every
sum is aggregated in the database, so the number of queries does not grow with the ledger,
and most read the summaries the ledger keeps beside its rows (`support.summaries`);
amounts come back in minor units of the goal's currency, converted as the goal converts them.
Their definitions are in the README ("The newsroom dashboard")."""

DROP TABLE accounts_audit;

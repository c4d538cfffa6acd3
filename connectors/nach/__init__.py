"""NACH through a sponsor bank: ACH debit files and e-mandate batches over its SFTP drop."""

"""The volunteer time bank (时间储蓄): a double-entry, hash-chained ledger of integer minutes."""

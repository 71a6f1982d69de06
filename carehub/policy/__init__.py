"""Who pays: subsidy policy versions, eligibility and the funding split of each visit."""

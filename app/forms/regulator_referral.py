"""Forms of the regulator_referral complaint (政府部门或消协转办)."""

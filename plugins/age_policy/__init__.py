"""Age rules: who may use which login method, by age, per region."""

"""Forms of the vehicle complaint (车辆或车内财物)."""

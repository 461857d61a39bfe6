"""Forms of the lost_property complaint (财物丢失或损坏)."""

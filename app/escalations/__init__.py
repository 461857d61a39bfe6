"""Escalations: a breached time limit as an item in the inbox of the next level up."""

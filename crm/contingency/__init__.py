"""Contingency mode (应急预案): an admin declares an outage or incident, every user sees a banner,
SLA clocks stop with the reason recorded, and an incident log keeps what happened; ending it
starts the clocks again with the due times moved on by the time they stood still."""

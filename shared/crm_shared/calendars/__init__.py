"""Business calendars: working hours, public holidays and China's make-up working days (调休).

Plain Python, shared because SLA clocks (service desk), automation delays
(notifications) and anything else counting "business hours" must agree on
what a working hour is.
"""

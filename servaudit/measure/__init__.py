"""Pure figures over stored records: rates with intervals, censored times, business hours, scores."""

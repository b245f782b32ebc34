"""Team schedules: weekly opening hours and holidays, and the business seconds of tickets under them."""

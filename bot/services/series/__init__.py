"""Series: a recurring lunch-and-learn with generated slots, empty-slot alerts and a calendar feed."""

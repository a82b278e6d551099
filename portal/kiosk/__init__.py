"""Counter kiosk: a paired tablet that collects SKM answers, keeps them while offline and sends them in batches."""

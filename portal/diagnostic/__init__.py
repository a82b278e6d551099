"""The local-government quality diagnostic (after ISO 18091): yearly traffic-light self-assessment with evidence."""

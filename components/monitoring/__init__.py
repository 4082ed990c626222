from .component import HOME_USAGE_SCRAPER, HUB_SCRAPER, NAMESPACE, Monitoring, MonitoringArgs

__all__ = ["HOME_USAGE_SCRAPER", "HUB_SCRAPER", "NAMESPACE", "Monitoring", "MonitoringArgs"]

from .component import NAMESPACE, Monitoring, MonitoringArgs

__all__ = ["NAMESPACE", "Monitoring", "MonitoringArgs"]

"""3xx: URLconfs and the paths the project writes by hand."""

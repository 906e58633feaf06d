@{
    Synopsis    = 'Stops metrics endpoints started by Start-JameyMetrics in this session.'
    Description = 'Stop-JameyMetrics stops the endpoint on each given port, or every endpoint of this session when no port is given, and writes the endpoints it stopped. A port with no endpoint is a non-terminating error with the id MetricsExporterNotFound.'
    Parameters  = @{
        Port = 'The ports of the endpoints to stop. Binds from the Port property of the objects Start-JameyMetrics writes. Without it, every endpoint of this session is stopped.'
    }
    Outputs     = @{ JameyMetricsEndpoint = 'Each endpoint that was stopped.' }
    Examples    = @(
        @{ Title = 'Stop every endpoint'; Code = 'Stop-JameyMetrics'; Remarks = '' }
        @{ Title = 'Stop the endpoint just started'; Code = "`$endpoint = Start-JameyMetrics -Port 9470`n`$endpoint | Stop-JameyMetrics"; Remarks = '' }
    )
    Links       = @('Start-JameyMetrics')
}

module fineract-netpol/probe-agent

go 1.22

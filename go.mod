module github.com/gofutures/futures

go 1.25

"""The visit (服务工单): one record from care plan to claim, and its lifecycle (DESIGN.md §9)."""

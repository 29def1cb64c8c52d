"""The boundary editor: the districts as it draws them and its pages."""
